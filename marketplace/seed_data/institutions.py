"""The demo collaborative and its member institutions (fictional names)."""
from __future__ import annotations

from typing import NamedTuple

COLLABORATIVE_NAME = "South Florida Anchor Alliance"
BACKBONE_NAME = "Anchor Alliance Backbone"
REGION_NAME = "South Florida (Miami-Dade, Broward, Palm Beach)"


class InstitutionSpec(NamedTuple):
    slug: str
    name: str
    sector: str
    fiscal_year_start_month: int
    prefix: str  # opportunity references and spend line ids
    spend_weight: int  # relative volume of spend lines
    sites: tuple[str, ...]  # buildings named in opportunity titles


INSTITUTIONS: tuple[InstitutionSpec, ...] = (
    InstitutionSpec("biscayne-health", "Biscayne Health System", "health", 1, "BHS", 16,
                    ("Biscayne Medical Center", "North Dade Outpatient Pavilion", "Biscayne Cancer Institute")),
    InstitutionSpec("everglades-regional", "Everglades Regional Medical Center", "health", 1, "ERMC", 12,
                    ("Main Hospital Tower", "Everglades Rehabilitation Center", "Weston Urgent Care")),
    InstitutionSpec("gold-coast-childrens", "Gold Coast Children's Hospital", "health", 1, "GCCH", 7,
                    ("Children's Hospital Main Campus", "Pediatric Specialty Clinic")),
    InstitutionSpec("south-florida-state", "South Florida State University", "higher_education", 7, "SFSU", 12,
                    ("Main Campus", "Biscayne Bay Campus", "Engineering Center", "Student Union")),
    InstitutionSpec("atlantic-palms-college", "Atlantic Palms College", "higher_education", 7, "APC", 6,
                    ("North Campus", "Central Campus Library", "Health Sciences Building")),
    InstitutionSpec("tri-county-schools", "Tri-County Public Schools", "k12", 7, "TCPS", 12,
                    ("Central Kitchen", "District Administration Building", "Lakeside Elementary",
                     "Seagrape High School")),
    InstitutionSpec("city-of-bayview-gardens", "City of Bayview Gardens", "city", 10, "CBG", 6,
                    ("City Hall", "Public Works Yard", "Bayview Community Center")),
    InstitutionSpec("city-of-port-lantana", "City of Port Lantana", "city", 10, "CPL", 5,
                    ("City Hall Annex", "Marina Park", "Police Headquarters")),
    InstitutionSpec("palmetto-county", "Palmetto County Board of County Commissioners", "county", 10, "PCO", 14,
                    ("County Government Center", "Main Library", "Regional Jail Complex", "County Courthouse")),
    InstitutionSpec("sf-regional-transit", "South Florida Regional Transit Authority", "other", 10, "SFRTA", 6,
                    ("Bus Maintenance Facility", "Central Transit Terminal")),
)
