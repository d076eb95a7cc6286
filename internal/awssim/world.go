package awssim

// world is the mutable view of an estate that write operations change.
type world struct {
	estate *Estate
}

func newWorld(est *Estate) *world { return &world{estate: est} }
