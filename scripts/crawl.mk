# The acrawl crawl as Makefile targets, one file per step, so make redoes only
# what is missing or out of date:
#
#   make -f scripts/crawl.mk SEEDS=seeds.txt DEPTH=3 OUT=crawl        crawl
#   make -f scripts/crawl.mk OUT=crawl stats                          astats --table
#   make -f scripts/crawl.mk OUT=crawl clean                          remove the crawl
#
# Variables: SEEDS (a file of URLs), DEPTH (levels of links followed, default 2),
# OUT (folder), CONCURRENCY (16), PER_HOST (6), SCOPE (host, domain or origin),
# AFETCH (more afetch arguments), BIN (where the tools are; default: this
# checkout's release build, else its debug build, else PATH).
#
# Per level N: frontier-N.txt -> pages-N.ndjson -> links-N.ndjson, and
# seen-N.done once frontier-N is in seen.txt. pages-N is fetched into
# pages-N.part with afetch --resume and renamed when complete, so an interrupted
# make continues the level where it stopped. Many crawls in a batch run side by
# side with make -j, one OUT each (see README.md, "Batch runs with make").

SEEDS ?= seeds.txt
DEPTH ?= 2
OUT ?= crawl
CONCURRENCY ?= 16
PER_HOST ?= 6
SCOPE ?= host
AFETCH ?=

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
BIN ?= $(firstword $(foreach d,release debug,$(if $(wildcard $(ROOT)/.build/$(d)/afilter),$(ROOT)/.build/$(d))))
export PATH := $(if $(BIN),$(BIN):)$(PATH)

# bash for pipefail: a stage failing inside a recipe's pipeline fails the recipe.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
LEVELS := $(shell seq 0 $(DEPTH))
LAST := $(lastword $(LEVELS))

.PHONY: all stats clean
.DELETE_ON_ERROR:
# Finished files are never remade because a step before them was touched again.
.SECONDARY:

all: $(OUT)/pages-$(LAST).ndjson

$(OUT)/frontier-0.txt: $(SEEDS)
	mkdir -p $(OUT)
	grep -v '^[[:space:]]*$$' $(SEEDS) | awk '!seen[$$0]++' > $@.tmp
	mv $@.tmp $@

# seen-N.done: frontier-N's URLs added to seen.txt (afilter writes the normalised keys).
$(OUT)/seen-%.done: $(OUT)/frontier-%.txt
	jq -Rc '{url: .}' < $< | afilter -q --seen $(OUT)/seen.txt > /dev/null
	touch $@

$(OUT)/pages-%.ndjson: $(OUT)/frontier-%.txt
	jq -Rc '{url: ., depth: $*}' < $< | afetch -q -c $(CONCURRENCY) --per-host $(PER_HOST) $(AFETCH) \
		--resume $(OUT)/pages-$*.part >> $(OUT)/pages-$*.part
	mv $(OUT)/pages-$*.part $@

# links-N: every link found on level N's pages; the scope applies to the next frontier.
$(OUT)/links-%.ndjson: $(OUT)/pages-%.ndjson
	alinks -q < $< > $@.tmp
	mv $@.tmp $@

# frontier-N+1: links found at level N, in scope, that no earlier frontier had.
define next_level
$(OUT)/frontier-$(2).txt: $(OUT)/links-$(1).ndjson $(OUT)/seen-$(1).done
	touch $(OUT)/seen.txt
	cp $(OUT)/seen.txt $(OUT)/seen-$(2).tmp
	afilter -q --same-$(SCOPE) --seen $(OUT)/seen-$(2).tmp < $$< | jq -r .url > $$@.tmp
	rm -f $(OUT)/seen-$(2).tmp
	mv $$@.tmp $$@
endef
$(foreach n,$(filter-out $(LAST),$(LEVELS)),$(eval $(call next_level,$(n),$(shell expr $(n) + 1))))

# Level N+1's pages need level N's pages first (breadth first), and seen-N+1.
$(foreach n,$(filter-out 0,$(LEVELS)),$(eval $(OUT)/pages-$(n).ndjson: $(OUT)/seen-$(n).done))
$(OUT)/pages-0.ndjson: $(OUT)/seen-0.done

stats:
	cat $(OUT)/pages-[0-9]*.ndjson | astats --table

clean:
	rm -rf $(OUT)
