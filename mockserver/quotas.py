"""The project's quotas, with production's wording (R-CFG-11 and research section 1.4).

403 as production answers, unless the caller names another status (create-for-model lists no
403 in the document, so its exceeded quota is a 400).
"""

from __future__ import annotations

from pinecone_conformance.mockserver.errors import ApiError
from pinecone_conformance.mockserver.settings import MockSettings


def check_quota(used: int, adding: int, limit: int, message: str, *, status: int = 403) -> None:
    if used + adding > limit:
        raise ApiError(status, message)


def check_indexes(settings: MockSettings, used: int, *, status: int = 403) -> None:
    check_quota(
        used, 1, settings.max_indexes,
        f"You've reached the max indexes allowed in project {settings.project_name} "
        f"({settings.max_indexes}). Increase your quota or upgrade to create more indexes.",
        status=status,
    )


def check_pods(settings: MockSettings, used: int, adding: int) -> None:
    check_quota(
        used, adding, settings.max_pods,
        f"You've reached the max pods allowed in project {settings.project_name} "
        f"({settings.max_pods}). To increase this limit, adjust your project settings in the console.",
    )


def check_collections(settings: MockSettings, used: int) -> None:
    check_quota(
        used, 1, settings.max_collections,
        f"You've reached the max collections allowed in project {settings.project_name} "
        f"({settings.max_collections}). Increase your quota or upgrade to create more collections.",
    )


def check_backups(settings: MockSettings, used: int) -> None:
    check_quota(
        used, 1, settings.max_backups,
        f"You've reached the max backups allowed in project {settings.project_name} "
        f"({settings.max_backups}). Increase your quota or upgrade to create more backups.",
    )
