"""Pager arithmetic shared by every page of results (opportunities, search, vendor directory)."""
from __future__ import annotations


class Paginated:
    """Mixed into a result dataclass that has `page`, `per_page` and `total`."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        """Whether a previous page exists."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a next page exists."""
        return self.page < self.pages
