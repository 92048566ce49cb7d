// Command configschema writes the schema of the configuration types kubeadm-pulumi passes through to Kubernetes'
// components (the kubelet's KubeletConfiguration, v1beta1), derived by reflection from the types themselves at the
// pinned release: every field by its JSON name, with its kind, so the program can report an unknown field or a
// value of the wrong kind at preview, naming it, instead of the kubelet refusing to start on a host.
//
//	go run . > ../../components/config/schemas/kubelet-config-v1beta1.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubelet "k8s.io/kubelet/config/v1beta1"
)

// Schema is one value's shape: type is object, array, map, string, integer, number, boolean or any; format names
// a string's syntax (duration, quantity); object fields are by JSON name.
type Schema struct {
	Type   string             `json:"type"`
	Format string             `json:"format,omitempty"`
	Fields map[string]*Schema `json:"fields,omitempty"`
	Items  *Schema            `json:"items,omitempty"`
	Values *Schema            `json:"values,omitempty"`
}

var (
	duration = reflect.TypeOf(metav1.Duration{})
	quantity = reflect.TypeOf(resource.Quantity{})
	mtime    = reflect.TypeOf(metav1.Time{})
	// Types that decode their own JSON (beyond the three above) accept what they accept.
	unmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

func of(t reflect.Type, seen map[reflect.Type]bool) *Schema {
	switch t {
	case duration:
		return &Schema{Type: "string", Format: "duration"}
	case quantity:
		return &Schema{Type: "string", Format: "quantity"}
	case mtime:
		return &Schema{Type: "string"}
	}
	if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(unmarshaler) {
		return &Schema{Type: "any"} // its own JSON syntax (e.g. a duration or a number of nanoseconds)
	}
	switch t.Kind() {
	case reflect.Pointer:
		return of(t.Elem(), seen)
	case reflect.Struct:
		if seen[t] {
			return &Schema{Type: "any"}
		}
		seen[t] = true
		defer delete(seen, t)
		s := &Schema{Type: "object", Fields: map[string]*Schema{}}
		addFields(s, t, seen)
		return s
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Type: "string"}
		}
		return &Schema{Type: "array", Items: of(t.Elem(), seen)}
	case reflect.Map:
		return &Schema{Type: "map", Values: of(t.Elem(), seen)}
	case reflect.String:
		return &Schema{Type: "string"}
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &Schema{Type: "integer"}
	case reflect.Float32, reflect.Float64:
		return &Schema{Type: "number"}
	default:
		return &Schema{Type: "any"}
	}
}

// addFields adds t's fields to s by their JSON names; embedded structs with `json:",inline"` (or no name) merge.
func addFields(s *Schema, t reflect.Type, seen map[reflect.Type]bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		inner := f.Type
		if inner.Kind() == reflect.Pointer {
			inner = inner.Elem()
		}
		if f.Anonymous && (name == "" || strings.Contains(opts, "inline")) && inner.Kind() == reflect.Struct &&
			inner != duration && inner != quantity && inner != mtime {
			addFields(s, inner, seen)
			continue
		}
		if name == "" {
			name = f.Name
		}
		s.Fields[name] = of(f.Type, seen)
	}
}

func main() {
	schema := of(reflect.TypeOf(kubelet.KubeletConfiguration{}), map[reflect.Type]bool{})
	out, err := json.MarshalIndent(schema, "", " ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
