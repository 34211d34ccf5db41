package verify

// WithWorkers sets how many shadows a long history is checked in at once.
var WithWorkers = withWorkers
