"""An `exec` runtime for the end-to-end tests: prints the task's prompt in capitals."""
import json
import sys

task = json.load(sys.stdin)
sys.stdout.write(task["prompt"].upper())
