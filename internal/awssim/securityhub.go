package awssim

// hubStore holds the findings BatchImportFindings received.
type hubStore struct{}

func newHubStore() *hubStore { return &hubStore{} }
