// HTMLLinks: arrives with its issue.
