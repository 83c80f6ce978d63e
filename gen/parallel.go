package gen

import (
	"runtime"
	"sync"
)

// forEach calls f(0) … f(n-1) from one worker per core and returns when
// all are done. f writes its result into slot i of a slice the caller
// owns, so results keep their order without locks.
func forEach(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
