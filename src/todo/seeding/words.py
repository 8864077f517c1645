"""The vocabulary synthetic users and tasks are made of (plain data, no logic)."""

from __future__ import annotations

FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Ana", "Arjun", "Bea", "Bruno", "Chen", "Chloe", "Dara", "David",
    "Elena", "Emeka", "Emma", "Farah", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jamal",
    "Jin", "Julia", "Kai", "Kenji", "Lara", "Leo", "Lina", "Luca", "Maya", "Mateo", "Mei",
    "Nadia", "Noah", "Nora", "Omar", "Olga", "Priya", "Quinn", "Rafael", "Rosa", "Sam", "Sara",
    "Sofia", "Tariq", "Tess", "Uma", "Victor", "Wen", "Yara", "Yusuf", "Zoe", "Zainab",
)  # fmt: skip

LAST_NAMES = (
    "Adams", "Almeida", "Baker", "Brown", "Chen", "Costa", "Dubois", "Evans", "Fischer",
    "Garcia", "Gupta", "Hansen", "Ito", "Jensen", "Kim", "Kowalski", "Lee", "Lopez", "Martin",
    "Meyer", "Moreau", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel", "Perez",
    "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Tanaka", "Taylor", "Walker",
    "Wang", "Weber", "Wilson", "Yilmaz", "Young", "Zhang",
)  # fmt: skip

TITLES = (
    "Buy groceries", "Finish homework", "Call dentist", "Read book", "Exercise",
    "Pay electricity bill", "Renew passport", "Book flights", "Water the plants",
    "Clean the garage", "Prepare slides for Monday", "Review pull request",
    "Write quarterly report", "Reply to Sam's email", "Schedule car service",
    "Pick up dry cleaning", "Plan birthday party", "Fix the leaking tap", "Back up laptop",
    "Update CV", "Cancel gym membership", "Order new glasses", "File expense report",
    "Call mom", "Buy birthday present", "Walk the dog", "Defrost the freezer",
    "Return library books", "Sort out tax return", "Read chapter 4", "Practice guitar",
    "Meal prep for the week", "Change bed sheets", "Take out recycling", "Vacuum the stairs",
    "Email the landlord", "Set up team meeting", "Draft blog post", "Study for exam",
    "Organise photos", "Compare insurance quotes", "Bake bread", "Repair bike tyre",
    "Submit timesheet", "Onboard new colleague", "Migrate old notes", "Refill prescription",
    "Buy train tickets", "Check smoke alarms", "Donate old clothes", "Paint the fence",
    "Write thank-you cards", "Learn 20 new words", "Go for a run", "Prepare interview questions",
    "Clean out inbox", "Renew car insurance", "Plan weekend hike", "Order printer ink",
    "Fix flaky test", "Deploy release 2.3", "Review budget", "Call the plumber",
    "Pick up kids at 4", "Book vet appointment", "Replace kitchen light bulb",
)  # fmt: skip

TITLE_SUFFIXES = (
    " before Friday", " this weekend", " (urgent)", " for Mom", " tomorrow morning",
    " after lunch", " again", " with Alex", " - second attempt", " at 9am", " for the team",
    " next week", " (if time)", " before the trip", " on the way home", " today",
)  # fmt: skip

SENTENCES = (
    "Don't forget the receipts.", "Ask Priya for the latest numbers first.",
    "It has to be done before the end of the month.", "Check the shared folder for the template.",
    "Use the blue folder on the desk.", "Took longer than expected last time.",
    "Remember to bring ID.", "Budget is about 50 euros.", "Low priority, but keep it on the list.",
    "Needs a second pair of eyes.", "The address is in the calendar invite.",
    "Call ahead to check opening hours.", "Split this into smaller steps if it drags on.",
    "Follow up if no answer by Wednesday.", "Keep it short, one page at most.",
    "Compare at least three options.", "Last time we used the app, it was faster.",
    "Write down what went wrong.", "Only if the weather is good.", "Ask for an invoice.",
)  # fmt: skip

CHECKLISTS = (
    "Steps:\n- gather documents\n- fill in the form\n- send it off",
    "- milk\n- eggs\n- bread\n- coffee",
    "Agenda:\n1. status\n2. blockers\n3. next steps",
    "Notes:\nthe old one broke twice,\nmaybe try another brand",
    "- check\n- double-check\n- done",
)  # fmt: skip

# Tag names and colours (None: no colour); each synthetic user takes a few consecutive ones.
TAGS = (
    ("work", "#2563eb"), ("home", "#16a34a"), ("errands", "#d97706"), ("health", "#dc2626"),
    ("finance", None), ("family", "#db2777"), ("study", "#7c3aed"), ("garden", "#65a30d"),
    ("car", None), ("travel", "#0891b2"), ("reading", None), ("fitness", "#ea580c"),
    ("kids", "#c026d3"), ("admin", None), ("someday", "#64748b"), ("Café", "#a16207"),
)  # fmt: skip
