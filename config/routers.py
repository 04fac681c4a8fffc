"""The database router for a primary with a read replica (README: Scaling).

Installed by `config/settings/base.py` only when `DATABASE_REPLICA_URL` is set; the `replica`
alias then holds a streaming copy of the primary. Every write goes to the primary, and so does
every read except a report's (`core.db.reporting()`, see `core.db.read_alias` for when even
those stay on the primary). Migrations run on the primary only: the replica receives them
through replication.
"""

from django.db import DEFAULT_DB_ALIAS

from core.db import REPLICA, read_alias

ALIASES = frozenset({DEFAULT_DB_ALIAS, REPLICA})


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        # Always an answer, never None: Django would otherwise read a related object from the
        # database its parent came from, and a row read in a report would lead later reads
        # outside it to the replica.
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is the same database, a little behind: an object read from it may be
        # related to one read from the primary.
        if obj1._state.db in ALIASES and obj2._state.db in ALIASES:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
