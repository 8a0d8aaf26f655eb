package probe

import (
	"fmt"
	"strconv"
)

// RESP replies as go-redis hands them over (RESP2 arrays, RESP3 maps,
// strings, integers), coerced in one place.

// AsString is a reply element as text: bulk and simple strings as they
// are, integers in decimal, nil as "".
func AsString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []byte:
		return string(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case nil:
		return ""
	default:
		return fmt.Sprint(t)
	}
}

func AsInt(v any) (int64, error) {
	switch t := v.(type) {
	case int64:
		return t, nil
	case string:
		return strconv.ParseInt(t, 10, 64)
	case []byte:
		return strconv.ParseInt(string(t), 10, 64)
	default:
		return 0, fmt.Errorf("not an integer: %T", v)
	}
}

// anyPairs turns a field/value reply (a flat RESP2 [k, v, k, v, ...]
// array or a RESP3 map) into a map, leaving the values as they came.
func AnyPairs(v any) (map[string]any, error) {
	switch t := v.(type) {
	case []any:
		out := make(map[string]any, len(t)/2)
		for i := 0; i+1 < len(t); i += 2 {
			out[AsString(t[i])] = t[i+1]
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[AsString(k)] = x
		}
		return out, nil
	}
	return nil, fmt.Errorf("expected a list of fields, got %T", v)
}

// pairs is anyPairs with every value as text.
func Pairs(v any) (map[string]string, error) {
	m, err := AnyPairs(v)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		out[k] = AsString(x)
	}
	return out, nil
}

// pairsEach parses a list of field/value entries (SENTINEL MASTERS,
// SENTINEL REPLICAS) with parse, one entry each; what names the reply in
// errors.
func pairsEach[T any](reply any, what string, parse func(map[string]string) (T, error)) ([]T, error) {
	arr, ok := reply.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: expected a list, got %T", what, reply)
	}
	out := make([]T, 0, len(arr))
	for _, e := range arr {
		m, err := Pairs(e)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		v, err := parse(m)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, nil
}
