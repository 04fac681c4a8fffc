"""Finance in the admin: posted documents read only (R24), changes through the services. Empty
until finance is built."""
