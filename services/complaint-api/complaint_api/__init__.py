"""complaint-api: complaint intake, statutory deadlines, triage, handling, replies, revisits."""
