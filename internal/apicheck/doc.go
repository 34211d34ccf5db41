// Package apicheck holds a test that keeps guard's public API free of
// internal types: no exported function, method, field or variable of a
// public package may have a parameter, result or type from an internal/...
// package, since no one outside the module could use it.
package apicheck
