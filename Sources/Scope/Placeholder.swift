// Scope: arrives with its issue.
