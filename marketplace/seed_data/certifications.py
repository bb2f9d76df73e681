"""Who certifies what, for how long, and how common each certification is."""
from __future__ import annotations

AGENCIES = {
    "SBE": ("Miami-Dade County Small Business Development",
            "Broward County Office of Economic and Small Business Development",
            "Palm Beach County Office of Equal Business Opportunity",
            "U.S. Small Business Administration"),
    "MBE": ("Florida Office of Supplier Diversity", "Florida State Minority Supplier Development Council"),
    "WBE": ("Women's Business Enterprise National Council", "Florida Office of Supplier Diversity"),
    "DBE": ("Florida Unified Certification Program (FDOT)",),
    "VBE": ("Florida Office of Supplier Diversity",),
    "SDVOB": ("U.S. SBA Veteran Small Business Certification",),
    "DOBE": ("Disability:IN",),
    "LGBTBE": ("National LGBT Chamber of Commerce",),
    "employee_owned": ("Certified EO",),
}
NUMBER_PREFIX = {
    "SBE": "SBE", "MBE": "MBE", "WBE": "WBE", "DBE": "DBE", "VBE": "VBE", "SDVOB": "VET",
    "DOBE": "DIN", "LGBTBE": "NGLCC", "employee_owned": "CEO",
}
TERM_YEARS = {"SBE": 3, "MBE": 2, "WBE": 2, "DBE": 3, "VBE": 2, "SDVOB": 3, "DOBE": 2, "LGBTBE": 2,
              "employee_owned": 2}
# Probability that a vendor holds each type: (in the region, elsewhere).
PREVALENCE = {
    "SBE": (0.30, 0.06), "MBE": (0.24, 0.07), "WBE": (0.15, 0.06), "DBE": (0.07, 0.03),
    "VBE": (0.04, 0.02), "SDVOB": (0.025, 0.015), "DOBE": (0.015, 0.005), "LGBTBE": (0.02, 0.01),
    "employee_owned": (0.02, 0.03),
}
REJECTION_REASONS = (
    "Ownership and control documentation was incomplete.",
    "The certificate number could not be confirmed with the certifying agency.",
    "The uploaded certificate belongs to a different business.",
)
