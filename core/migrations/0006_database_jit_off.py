"""PostgreSQL's JIT off for O2C's database (issue 14).

O2C's reads are short OLTP queries; when the planner's estimate of one crosses
`jit_above_cost` (a customer with many contracts, a long history), PostgreSQL 11+ compiles it
first — 0.5–0.7 s of LLVM work for a query that runs in milliseconds (the growth benchmark's
credit check at 1 M orders). The aging report already turned it off for itself; this turns it
off for every connection to the database, whatever pools in between (a connection `options`
parameter would not pass PgBouncer). Without the privilege to alter the database the
migration only notes it: the setting is a speed matter, never a correctness one."""

from django.db import migrations

FORWARD = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'O2C: no privilege to set jit = off on this database; set it by hand';
END
$$;
"""

BACKWARD = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I RESET jit', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    NULL;
END
$$;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)
        # This connection was opened before the setting: take it now too.
        schema_editor.execute("SET jit = off")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0005_periodlock_closed")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
