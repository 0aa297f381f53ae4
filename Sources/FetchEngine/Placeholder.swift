// FetchEngine: arrives with its issue.
