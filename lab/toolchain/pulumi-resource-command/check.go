package main

import (
	"fmt"
	"math"
	"regexp"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

type (
	propertyMap   = resource.PropertyMap
	propertyValue = resource.PropertyValue
)

type checkFailure struct {
	Property string
	Reason   string
}

// Defaults, as documented by the pulumi_command 1.0.1 SDK.
const (
	defaultPort           = 22
	defaultUser           = "root"
	defaultDialErrorLimit = 10
	defaultPerDialTimeout = 15
)

// Top-level inputs of command:remote:Command (outputs add stdout/stderr).
var inputKeys = map[resource.PropertyKey]bool{
	"addPreviousOutputInEnv": true, "connection": true, "create": true, "delete": true,
	"environment": true, "logging": true, "stdin": true, "triggers": true, "update": true,
}

// Top-level inputs of command:local:Command that this provider implements.
var localInputKeys = map[resource.PropertyKey]bool{
	"addPreviousOutputInEnv": true, "create": true, "delete": true, "dir": true,
	"environment": true, "interpreter": true, "logging": true, "stdin": true, "triggers": true, "update": true,
}

// Inputs of upstream's command:local:Command that this provider does not implement.
var unsupportedLocalKeys = map[resource.PropertyKey]string{
	"assetPaths":   "collecting files as assets after the command is not implemented by this provider (no `assets` output)",
	"archivePaths": "collecting files as an archive after the command is not implemented by this provider (no `archive` output)",
}

// Connection fields this provider implements.
var connectionKeys = map[resource.PropertyKey]bool{
	"host": true, "port": true, "user": true, "privateKey": true, "privateKeyPassword": true,
	"dialErrorLimit": true, "perDialTimeout": true,
}

// Connection fields of the upstream schema that this provider does not implement.
var unsupportedConnectionKeys = map[resource.PropertyKey]string{
	"password":        "password authentication is not implemented by this provider; use connection.privateKey",
	"agentSocketPath": "SSH agent authentication is not implemented by this provider; use connection.privateKey",
	"proxy":           "proxy/bastion connections are not implemented by this provider",
}

var loggingValues = map[string]bool{"stdout": true, "stderr": true, "stdoutAndStderr": true, "none": true}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func resourceType(urn, typ string) string {
	if typ != "" {
		return typ
	}
	if urn == "" {
		return remoteCmdTok
	}
	return string(resource.URN(urn).Type())
}

// present reports whether v carries a value or an unknown (i.e. is not null/absent).
func present(m propertyMap, k resource.PropertyKey) (propertyValue, bool) {
	v, ok := m[k]
	if !ok || v.IsNull() {
		return v, false
	}
	return v, true
}

// known reports whether v is fully known, i.e. can be validated now.
func known(v propertyValue) bool { return !v.ContainsUnknowns() }

// checkInputs validates the inputs of a command:remote:Command and fills
// defaults. It never fails on unknowns.
func checkInputs(news propertyMap) (propertyMap, []checkFailure) {
	out, fails := checkCommon(news, remoteCmdTok, inputKeys, nil)
	fail := func(prop, format string, args ...any) {
		fails = append(fails, checkFailure{Property: prop, Reason: fmt.Sprintf(format, args...)})
	}
	conn, ok := present(news, "connection")
	switch {
	case !ok:
		fail("connection", "missing required property 'connection'")
	case conn.IsComputed():
		// Unknown during preview: nothing to validate or default yet.
	case !conn.IsObject():
		fail("connection", "connection must be an object, got %s", conn.TypeString())
	default:
		c, cf := checkConnection(conn.ObjectValue())
		fails = append(fails, cf...)
		out["connection"] = resource.NewObjectProperty(c)
	}
	return out, fails
}

// checkCommon validates the inputs both resource types share (commands, stdin,
// environment, triggers, logging, addPreviousOutputInEnv), flags keys outside
// keys (unsupported ones with their reason), and fills defaults.
func checkCommon(news propertyMap, tok string, keys map[resource.PropertyKey]bool,
	unsupported map[resource.PropertyKey]string,
) (propertyMap, []checkFailure) {
	out := news.Copy()
	var fails []checkFailure
	fail := func(prop, format string, args ...any) {
		fails = append(fails, checkFailure{Property: prop, Reason: fmt.Sprintf(format, args...)})
	}

	for _, k := range sortedKeys(news) {
		if keys[k] || resource.IsInternalPropertyKey(k) {
			continue
		}
		if why, bad := unsupported[k]; bad {
			// null or an empty list asks for nothing and is accepted.
			if v, set := present(news, k); set && !(v.IsArray() && len(v.ArrayValue()) == 0) {
				fail(string(k), "%s is not supported: %s", k, why)
			}
		} else if k == "stdout" || k == "stderr" {
			fail(string(k), "%q is an output property and cannot be set", k)
		} else {
			fail(string(k), "unknown property %q for %s", k, tok)
		}
	}

	for _, k := range []resource.PropertyKey{"create", "update", "delete", "stdin"} {
		if v, ok := present(news, k); ok && known(v) && !v.IsString() {
			fail(string(k), "%s must be a string, got %s", k, v.TypeString())
		}
	}
	if v, ok := present(news, "addPreviousOutputInEnv"); !ok {
		out["addPreviousOutputInEnv"] = resource.NewBoolProperty(true)
	} else if known(v) && !v.IsBool() {
		fail("addPreviousOutputInEnv", "addPreviousOutputInEnv must be a boolean, got %s", v.TypeString())
	}
	if v, ok := present(news, "logging"); ok && known(v) {
		if !v.IsString() || !loggingValues[v.StringValue()] {
			fail("logging", "logging must be one of stdout, stderr, stdoutAndStderr, none")
		}
	}
	if v, ok := present(news, "triggers"); ok && !v.IsComputed() && !v.IsArray() {
		fail("triggers", "triggers must be a list, got %s", v.TypeString())
	}
	if v, ok := present(news, "environment"); ok && !v.IsComputed() {
		if !v.IsObject() {
			fail("environment", "environment must be a map of strings, got %s", v.TypeString())
		} else {
			env := v.ObjectValue()
			for _, ek := range sortedKeys(env) {
				if !envNameRE.MatchString(string(ek)) {
					fail("environment."+string(ek), "%q is not a valid environment variable name", ek)
				}
				if ev := env[ek]; known(ev) && !ev.IsString() {
					fail("environment."+string(ek), "environment values must be strings, got %s", ev.TypeString())
				}
			}
		}
	}
	return out, fails
}

// checkLocalInputs validates the inputs of a command:local:Command and fills
// defaults. It never fails on unknowns. The interpreter default is applied
// when the command runs, not recorded in the inputs (as upstream).
func checkLocalInputs(news propertyMap) (propertyMap, []checkFailure) {
	out, fails := checkCommon(news, localCmdTok, localInputKeys, unsupportedLocalKeys)
	fail := func(prop, format string, args ...any) {
		fails = append(fails, checkFailure{Property: prop, Reason: fmt.Sprintf(format, args...)})
	}
	if v, ok := present(news, "dir"); ok && known(v) && !v.IsString() {
		fail("dir", "dir must be a string, got %s", v.TypeString())
	}
	if v, ok := present(news, "interpreter"); ok && !v.IsComputed() {
		if !v.IsArray() {
			fail("interpreter", "interpreter must be a list of strings, got %s", v.TypeString())
		} else {
			for i, a := range v.ArrayValue() {
				switch {
				case !known(a):
				case !a.IsString():
					fail(fmt.Sprintf("interpreter[%d]", i), "interpreter elements must be strings, got %s", a.TypeString())
				case i == 0 && a.StringValue() == "":
					fail("interpreter[0]", "interpreter[0] (the program to run) must not be empty")
				}
			}
		}
	}
	return out, fails
}

func checkConnection(in propertyMap) (propertyMap, []checkFailure) {
	c := in.Copy()
	var fails []checkFailure
	fail := func(prop, format string, args ...any) {
		fails = append(fails, checkFailure{Property: "connection." + prop, Reason: fmt.Sprintf(format, args...)})
	}
	for _, k := range sortedKeys(in) {
		if _, ok := present(in, k); !ok {
			continue
		}
		if why, bad := unsupportedConnectionKeys[k]; bad {
			fail(string(k), "connection.%s is not supported: %s", k, why)
		} else if !connectionKeys[k] {
			fail(string(k), "unknown property connection.%s", k)
		}
	}
	if v, ok := present(in, "host"); !ok {
		fail("host", "missing required property 'connection.host'")
	} else if known(v) && (!v.IsString() || v.StringValue() == "") {
		fail("host", "connection.host must be a non-empty string")
	}
	if _, ok := present(in, "privateKey"); !ok {
		fail("privateKey", "connection.privateKey is required by this provider (only public-key authentication is implemented)")
	}
	for _, k := range []resource.PropertyKey{"user", "privateKey", "privateKeyPassword"} {
		if v, ok := present(in, k); ok && known(v) && !v.IsString() {
			fail(string(k), "connection.%s must be a string, got %s", k, v.TypeString())
		}
	}
	checkInt := func(k resource.PropertyKey, def float64, lo, hi float64) {
		v, ok := present(in, k)
		if !ok {
			c[k] = resource.NewNumberProperty(def)
			return
		}
		if !known(v) {
			return
		}
		if !v.IsNumber() || v.NumberValue() != math.Trunc(v.NumberValue()) ||
			v.NumberValue() < lo || v.NumberValue() > hi {
			fail(string(k), "connection.%s must be an integer between %v and %v", k, lo, hi)
		}
	}
	checkInt("port", defaultPort, 1, 65535)
	checkInt("dialErrorLimit", defaultDialErrorLimit, -1, math.MaxInt32)
	checkInt("perDialTimeout", defaultPerDialTimeout, 0, math.MaxInt32)
	if _, ok := present(in, "user"); !ok {
		c["user"] = resource.NewStringProperty(defaultUser)
	}
	return c, fails
}

func sortedKeys(m propertyMap) []resource.PropertyKey {
	keys := make([]resource.PropertyKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
