"""Name parts for people and businesses, with a South Florida mix."""
from __future__ import annotations

FIRST_NAMES = (
    "Maria", "Jose", "Carlos", "Ana", "Luis", "Sofia", "Miguel", "Isabel", "Jorge", "Camila",
    "Daniela", "Alejandro", "Valentina", "Ricardo", "Gabriela", "Fernando", "Lucia", "Rafael",
    "Marie", "Jean", "Fabienne", "Wesner", "Nadege", "Ricot", "Guerline", "Jocelyn",
    "James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "William",
    "Elizabeth", "Richard", "Barbara", "Thomas", "Susan", "Christopher", "Jessica", "Daniel",
    "Sarah", "Matthew", "Karen", "Anthony", "Nancy", "Mark", "Lisa", "Andre", "Keisha",
    "Tyrone", "Latoya", "Marcus", "Shanice", "DeShawn", "Aaliyah", "Terrence", "Monique",
    "Wei", "Mei", "Hiroshi", "Yuki", "Priya", "Rahul", "Anjali", "Vikram", "Nguyen", "Linh",
    "Rachel", "Samuel", "Esther", "Avi", "Noa", "Giovanni", "Francesca", "Pierre", "Claire",
    "Omar", "Fatima", "Yusuf", "Leila", "Dmitri", "Olga", "Kwame", "Ama", "Tomas", "Elena",
)

LAST_NAMES = (
    "Rodriguez", "Gonzalez", "Hernandez", "Perez", "Garcia", "Martinez", "Lopez", "Fernandez",
    "Diaz", "Sanchez", "Alvarez", "Ramirez", "Torres", "Suarez", "Castillo", "Morales",
    "Delgado", "Vargas", "Mendoza", "Reyes", "Cabrera", "Navarro", "Herrera", "Acosta",
    "Fuentes", "Marrero", "Pierre", "Jean-Baptiste", "Charles", "Joseph", "Louis", "Etienne",
    "Toussaint", "Dorsainvil", "Baptiste", "Francois", "Smith", "Johnson", "Williams", "Brown",
    "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson",
    "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell",
    "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins",
    "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Washington", "Brooks",
    "Coleman", "Jenkins", "Bennett", "Greene", "Hayes", "Bryant", "Chen", "Wang", "Li", "Zhang",
    "Nguyen", "Tran", "Patel", "Shah", "Kumar", "Singh", "Kim", "Park", "Cohen", "Levy",
    "Goldberg", "Friedman", "Rossi", "Russo", "Esposito", "Costa", "Silva", "Santos", "Oliveira",
    "Pereira", "O'Brien", "Sullivan", "Kelly", "Murray", "Schmidt", "Fischer", "Novak", "Ivanov",
    "Mensah", "Okafor", "Adeyemi", "Haddad", "Khalil", "Nasser", "Brennan", "Whitfield",
)

# First words of business names for firms based in South Florida.
LOCAL_WORDS = (
    "Biscayne", "Coral", "Palmetto", "Everglades", "Sunshine", "Atlantic", "Bayfront", "Tropic",
    "Gulfstream", "Flamingo", "Mangrove", "Harbor", "Citrus", "Royal Palm", "Brickell",
    "Wynwood", "Lauderdale", "Boca", "Jupiter", "Oceanside", "Seagrape", "Key Biscayne",
    "Little Havana", "Sawgrass", "Intracoastal", "Tri-County", "Sunrise", "Manatee", "Pelican",
    "Sea Breeze", "Gold Coast", "South Beach", "Lake Worth", "Hibiscus", "Cypress", "Bayshore",
)

# First words of business names for firms anywhere.
GENERIC_WORDS = (
    "Premier", "United", "Allied", "Precision", "Pinnacle", "Summit", "Apex", "Reliable",
    "Elite", "Superior", "Integrity", "Legacy", "Pioneer", "Liberty", "Eagle", "Horizon",
    "Cornerstone", "Evergreen", "Metro", "Capital", "National", "American", "Southern",
    "Keystone", "Benchmark", "Frontier", "Patriot", "Heritage", "Vanguard", "Paragon",
    "Meridian", "Sterling", "Trinity", "Crescent", "Northstar", "Bluewater", "Ironclad",
    "Clearview", "Bright Path", "First Choice", "Prime", "Quality", "Signature", "Infinity",
)

SUFFIXES = ("LLC", "LLC", "LLC", "Inc.", "Inc.", "Corp.", "Co.", "Group LLC", "Partners LLC", "Enterprises Inc.")

# Payees of non-addressable spend lines, by spend category.
NON_ADDRESSABLE_PAYEES = {
    "Payroll": ("Payroll clearing account", "Payroll tax deposit account"),
    "Employee benefits": ("Florida Retirement System", "Employee health plan trust", "Dental plan administrator"),
    "Taxes": ("Internal Revenue Service", "Florida Department of Revenue", "County tax collector"),
    "Utilities": ("Florida Power & Light", "County Water and Sewer Department", "Peoples Gas System"),
    "Intergovernmental": (
        "Florida Department of Health", "South Florida Water Management District",
        "State Board of Administration", "Regional planning council",
    ),
}
