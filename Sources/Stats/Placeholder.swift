// Stats: arrives with its issue.
