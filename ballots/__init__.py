"""ballots: the event definition, ballot sheets, marks and their validation."""
