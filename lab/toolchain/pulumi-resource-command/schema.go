package main

import "encoding/json"

// schemaJSON returns a minimal Pulumi package schema describing the subset of
// package "command" this plugin implements (command:remote:Command and
// command:local:Command, without assetPaths/archivePaths).
func schemaJSON() string {
	str := map[string]any{"type": "string"}
	secretStr := map[string]any{"type": "string", "secret": true}
	num := func(def float64, desc string) map[string]any {
		return map[string]any{"type": "number", "default": def, "description": desc}
	}
	intp := func(def int, desc string) map[string]any {
		return map[string]any{"type": "integer", "default": def, "description": desc}
	}
	conn := map[string]any{
		"description": "Instructions for how to connect to a remote endpoint.",
		"type":        "object",
		"properties": map[string]any{
			"host":               map[string]any{"type": "string", "description": "The address of the resource to connect to."},
			"port":               num(22, "The port to connect to. Defaults to 22."),
			"user":               map[string]any{"type": "string", "default": "root", "description": "The user that we should use for the connection."},
			"privateKey":         secretStr,
			"privateKeyPassword": secretStr,
			"dialErrorLimit":     intp(10, "Max allowed errors on trying to dial the remote host. -1 set count to unlimited. Default value is 10."),
			"perDialTimeout":     intp(15, "Max number of seconds for each dial attempt. 0 implies no maximum. Default value is 15 seconds."),
		},
		"required": []string{"host"},
	}
	inputs := map[string]any{
		"connection":             map[string]any{"$ref": "#/types/command:remote:Connection", "secret": true},
		"create":                 str,
		"update":                 str,
		"delete":                 str,
		"stdin":                  str,
		"environment":            map[string]any{"type": "object", "additionalProperties": str},
		"triggers":               map[string]any{"type": "array", "items": map[string]any{"$ref": "pulumi.json#/Any"}, "replaceOnChanges": true},
		"addPreviousOutputInEnv": map[string]any{"type": "boolean", "default": true},
		"logging":                map[string]any{"$ref": "#/types/command:common:Logging"},
	}
	outputs := map[string]any{"stdout": str, "stderr": str}
	for k, v := range inputs {
		outputs[k] = v
	}
	localInputs := map[string]any{
		"dir": map[string]any{"type": "string", "description": "The directory from which to run the command from."},
		"interpreter": map[string]any{"type": "array", "items": str,
			"description": `The program and arguments to run the command. Defaults to ["/bin/sh", "-c"].`},
	}
	for k, v := range inputs {
		if k != "connection" {
			localInputs[k] = v
		}
	}
	localOutputs := map[string]any{"stdout": str, "stderr": str}
	for k, v := range localInputs {
		localOutputs[k] = v
	}
	schema := map[string]any{
		"name":        packageName,
		"version":     version,
		"displayName": "Command (kubeadm-pulumi stand-in)",
		"description": "Minimal stand-in for the Pulumi Command provider: command:remote:Command over SSH and command:local:Command.",
		"types": map[string]any{
			"command:remote:Connection": conn,
			"command:common:Logging": map[string]any{
				"type": "string",
				"enum": []map[string]any{
					{"name": "Stdout", "value": "stdout"}, {"name": "Stderr", "value": "stderr"},
					{"name": "StdoutAndStderr", "value": "stdoutAndStderr"}, {"name": "None", "value": "none"},
				},
			},
		},
		"resources": map[string]any{
			remoteCmdTok: map[string]any{
				"description":     "A command to run on a remote host. The connection is established via ssh.",
				"inputProperties": inputs,
				"properties":      outputs,
				"requiredInputs":  []string{"connection"},
				"required":        []string{"connection", "stdout", "stderr"},
			},
			localCmdTok: map[string]any{
				"description":     "A local command to be executed (assetPaths/archivePaths are not implemented).",
				"inputProperties": localInputs,
				"properties":      localOutputs,
				"required":        []string{"stdout", "stderr"},
			},
		},
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	return string(b)
}
