package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// replaceKeys are the inputs whose change forces a replacement (upstream marks
// `triggers` replaceOnChanges); every other input change is an in-place update.
var replaceKeys = map[resource.PropertyKey]bool{"triggers": true}

// outputOnly are state properties that are not inputs and never diffed.
var outputOnly = map[resource.PropertyKey]bool{"stdout": true, "stderr": true}

// computeDiff compares old inputs (or old state) with new checked inputs.
func computeDiff(olds, news propertyMap) *pulumirpc.DiffResponse {
	resp := &pulumirpc.DiffResponse{
		Changes:             pulumirpc.DiffResponse_DIFF_NONE,
		DetailedDiff:        map[string]*pulumirpc.PropertyDiff{},
		HasDetailedDiff:     true,
		DeleteBeforeReplace: false,
	}
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	union := make(propertyMap, len(keys))
	for k := range keys {
		union[k] = resource.PropertyValue{}
	}
	for _, k := range sortedKeys(union) {
		if outputOnly[k] || resource.IsInternalPropertyKey(k) {
			continue
		}
		o, hasOld := present(olds, k)
		n, hasNew := present(news, k)
		var kind pulumirpc.PropertyDiff_Kind
		switch {
		case !hasOld && !hasNew:
			continue
		case !hasOld:
			kind = pulumirpc.PropertyDiff_ADD
		case !hasNew:
			kind = pulumirpc.PropertyDiff_DELETE
		case n.ContainsUnknowns() || o.ContainsUnknowns():
			kind = pulumirpc.PropertyDiff_UPDATE
		case o.DeepEquals(n):
			continue
		default:
			kind = pulumirpc.PropertyDiff_UPDATE
		}
		if replaceKeys[k] {
			kind = toReplace(kind)
			resp.Replaces = append(resp.Replaces, string(k))
		}
		resp.Diffs = append(resp.Diffs, string(k))
		resp.DetailedDiff[string(k)] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return resp
}

func toReplace(k pulumirpc.PropertyDiff_Kind) pulumirpc.PropertyDiff_Kind {
	switch k {
	case pulumirpc.PropertyDiff_ADD:
		return pulumirpc.PropertyDiff_ADD_REPLACE
	case pulumirpc.PropertyDiff_DELETE:
		return pulumirpc.PropertyDiff_DELETE_REPLACE
	default:
		return pulumirpc.PropertyDiff_UPDATE_REPLACE
	}
}
