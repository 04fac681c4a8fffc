"""Forms of the finance pages: they parse input; the finance services decide. Empty until
finance is built."""
