package talosapi

import (
	"context"
	"sync"
)

// DefaultConcurrency bounds concurrent node calls when the caller does not.
const DefaultConcurrency = 8

// Fanout calls fn for every node with at most limit calls in flight and
// returns the results in the order of nodes. fn's context targets the node
// (WithNode); the node "" means the endpoint itself. done, when set, is called
// after each node finishes (for progress); it may run concurrently.
func Fanout[T any](ctx context.Context, nodes []string, limit int, fn func(ctx context.Context, node string) T, done func(node string, finished int)) []T {
	if limit <= 0 {
		limit = DefaultConcurrency
	}
	out := make([]T, len(nodes))
	sem := make(chan struct{}, limit)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		finished int
	)
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = fn(nodeCtx(ctx, n), n) // fn sees the cancelled context and reports it
				return
			}
			defer func() { <-sem }()
			out[i] = fn(nodeCtx(ctx, n), n)
			if done != nil {
				mu.Lock()
				finished++
				f := finished
				mu.Unlock()
				done(n, f)
			}
		}()
	}
	wg.Wait()
	return out
}

func nodeCtx(ctx context.Context, node string) context.Context {
	if node == "" {
		return ctx
	}
	return WithNode(ctx, node)
}
