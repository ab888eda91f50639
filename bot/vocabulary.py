"""The ids that outside checks rely on (CONTRACT.md "Vocabulary")."""

ROLES = ("young_person", "parent_carer", "practitioner", "community_member")
AREAS = ("durham", "swindon", "elsewhere")
CATEGORIES = (
    "sexual_exploitation",
    "criminal_exploitation",
    "trafficking",
    "missing",
    "relationship_abuse",
    "harmful_sexual_behaviour",
    "radicalisation",
    "youth_violence",
)
URGENCIES = ("emergency", "urgent", "concern", "information")
CONTACTS = (
    "police_999",
    "police_101",
    "childline",
    "nspcc",
    "ceop",
    "crimestoppers",
    "modern_slavery_helpline",
    "missing_people",
    "prevent",
    "front_door",
)
