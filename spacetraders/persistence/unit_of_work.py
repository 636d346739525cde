"""A unit of work: one session, one transaction, every repository on it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spacetraders.persistence.assignments import (
    AssignmentRepository,
    BulkAssignmentRepair,
)
from spacetraders.persistence.containers import ContainerRepository
from spacetraders.persistence.players import PlayerRepository


class UnitOfWork:
    """Handed out by `Database.transaction()`, which commits or rolls back; never commit here."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.players = PlayerRepository(session)
        self.containers = ContainerRepository(session)
        self.assignments = AssignmentRepository(session)
        self.assignment_repair = BulkAssignmentRepair(session)
