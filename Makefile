# The two commands of the README. Both set everything up first.
.PHONY: setup demo test

setup:
	./scripts/setup.sh

demo: setup
	.venv/bin/shopbridge demo

test: setup
	./scripts/test.sh
