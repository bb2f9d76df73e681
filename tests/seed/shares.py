"""The local/MWBE share of addressable tier-1 spend per institution and fiscal year, in SQL."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from marketplace.impact.models import SpendLine
from marketplace.institutions.models import Collaborative, Institution, LocalRuleCounty, LocalRuleZip, SpendCategory
from marketplace.vendors.models import Certification, VendorAddress


def share_query() -> sa.Select:
    """(institution id, fiscal year, local-or-MWBE amount, addressable amount) rows.

    Local: the principal address in force on the payment date lies in the collaborative's
    region. MWBE: a verified MBE or WBE certificate valid on the payment date (strict rule).
    """
    line, inst, address, cert = SpendLine, Institution, VendorAddress, Certification
    rule_id = sa.select(Collaborative.local_rule_id).scalar_subquery()
    in_region = sa.or_(
        sa.exists().where(LocalRuleCounty.rule_id == rule_id, LocalRuleCounty.state == address.state,
                          LocalRuleCounty.county == address.county),
        sa.exists().where(LocalRuleZip.rule_id == rule_id, LocalRuleZip.zip == address.zip),
    )
    local = sa.exists().where(
        address.vendor_id == line.vendor_id, address.kind == "principal",
        sa.or_(address.effective_from.is_(None), address.effective_from <= line.payment_date),
        sa.or_(address.effective_to.is_(None), address.effective_to >= line.payment_date),
        in_region,
    )
    mwbe = sa.exists().where(
        cert.vendor_id == line.vendor_id, cert.type.in_(("MBE", "WBE")), cert.status == "verified",
        cert.effective_on <= line.payment_date, cert.expires_on >= line.payment_date,
    )
    month = sa.extract("month", line.payment_date)
    fiscal_year = (sa.extract("year", line.payment_date) + sa.case(
        (sa.and_(inst.fiscal_year_start_month > 1, month >= inst.fiscal_year_start_month), 1), else_=0,
    )).label("fiscal_year")
    return (
        sa.select(inst.id, fiscal_year, sa.func.sum(sa.case((sa.or_(local, mwbe), line.amount), else_=0)),
                  sa.func.sum(line.amount))
        .join(inst, inst.id == line.institution_id)
        .join(SpendCategory, sa.and_(SpendCategory.institution_id == line.institution_id,
                                     SpendCategory.name == line.category))
        .where(SpendCategory.addressable, line.tier == 1)
        .group_by(inst.id, fiscal_year)
    )


def shares_by_year_index(conn: sa.Connection) -> list[Decimal]:
    """Collaborative shares (Σ numerators ÷ Σ denominators) of each institution's 1st, 2nd… fiscal year."""
    rows = sorted(conn.execute(share_query()).all(), key=lambda row: (row[0], int(row[1])))
    first: dict[int, int] = {}
    totals: dict[int, list[Decimal]] = {}
    for institution_id, year, qualifying, addressable in rows:
        index = int(year) - first.setdefault(institution_id, int(year))
        total = totals.setdefault(index, [Decimal(0), Decimal(0)])
        total[0] += Decimal(qualifying)
        total[1] += Decimal(addressable)
    return [totals[k][0] / totals[k][1] for k in sorted(totals)]
