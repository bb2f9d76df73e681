"""Where vendors are: the demo region, other places, street names."""
from __future__ import annotations

STATE = "FL"
# Spelled as the `zipcodes` package spells them.
REGION_COUNTIES = ("Miami-Dade County", "Broward County", "Palm Beach County")
REGION_COUNTY_WEIGHTS = (45, 33, 22)
# Extra ZIP codes counted as local whatever their county (Key Largo, Monroe County).
REGION_EXTRA_ZIPS = ("33037",)

OTHER_FL_COUNTIES = (
    "Orange County", "Hillsborough County", "Duval County", "Pinellas County", "Lee County",
    "Monroe County", "Collier County", "Seminole County", "Leon County", "St. Lucie County",
)
OTHER_STATES = ("GA", "NY", "TX", "NC", "IL", "CA", "NJ", "PA", "OH", "MA", "TN", "VA")

SOUTH_FLORIDA_STREETS = (
    "Biscayne Blvd", "NW 7th Ave", "SW 8th St", "Coral Way", "W Flagler St", "NE 2nd Ave",
    "Brickell Ave", "NW 36th St", "SW 27th Ave", "Bird Rd", "Kendall Dr", "NW 79th St",
    "Okeechobee Rd", "W 49th St", "E Las Olas Blvd", "N Federal Hwy", "S Dixie Hwy",
    "W Commercial Blvd", "W Sunrise Blvd", "W Oakland Park Blvd", "Hollywood Blvd",
    "Griffin Rd", "Pines Blvd", "University Dr", "N State Road 7", "W Broward Blvd",
    "Clematis St", "Okeechobee Blvd", "Palmetto Park Rd", "Glades Rd", "Atlantic Ave",
    "Congress Ave", "Military Trl", "Southern Blvd", "Forest Hill Blvd", "PGA Blvd",
    "Hypoluxo Rd", "NW 25th St", "NW 12th Ave", "Ponce de Leon Blvd",
)
GENERIC_STREETS = (
    "Main St", "Commerce Dr", "Industrial Pkwy", "Oak Ave", "Park Ave", "Market St",
    "Technology Dr", "Corporate Blvd", "Enterprise Way", "Washington St", "Maple Ave",
    "Lakeview Dr", "Business Park Dr", "Center St", "Highland Ave", "Executive Dr",
    "Peachtree St", "Broadway", "Elm St", "Pine St", "Airport Rd", "Riverside Dr",
)
UNITS = ("Suite 100", "Suite 200", "Suite 210", "Suite 305", "Unit 4", "Unit B", "Bay 12", "Floor 3")
