# Thin targets over one CLI (engine/cli.ts). Variables:
#   PROFILE=smoke|local|paper (local)   JOBS=n (core count)   FIG=<figure, table or experiment id>
#   FROZEN=1 (run nothing; render from the newest artifacts, stale ones marked)   BACKEND=auto|wasm|cpu|tensorflow|webgpu
#   EXECUTOR=local|slurm (where cells run)   DRY_RUN=1 (print the runs, run nothing)   ARTIFACTS_DIR=<store>
#   BENCH=<name> (one benchmark of bench/*.bench.ts)   PORT=n (make preview; 3000)
PROFILE ?= local
BACKEND ?= auto
JOBS ?=
FIG ?=
FROZEN ?=
EXECUTOR ?=
DRY_RUN ?=
BENCH ?=
ROOT ?=
PORT ?= 3000

CLI := node --import tsx engine/cli.ts
# Values pass through as given (--x=value): engine/commands/settings.ts checks each and names it when wrong.
# JOBS passes through whenever it is set, even to blanks, so that `JOBS=' '` is refused rather than ignored.
FLAGS := --profile=$(PROFILE) --backend=$(BACKEND) $(if $(filter environment command% override,$(origin JOBS)),--jobs='$(subst ','\'',$(JOBS))') $(if $(FROZEN),--frozen=$(FROZEN)) \
	$(if $(EXECUTOR),--executor=$(EXECUTOR)) $(if $(DRY_RUN),--dry-run=$(DRY_RUN)) $(if $(ROOT),--root=$(ROOT))

.PHONY: report figure pdf explain check list test bench bundle clean clean-tmp data preview

report: | node_modules
	@$(CLI) report $(FLAGS)

figure: | node_modules
	@test -n "$(FIG)" || { echo "usage: make figure FIG=<figure or table id>" >&2; exit 2; }
	@$(CLI) figure $(FIG) $(FLAGS)

pdf: | node_modules
	@$(CLI) pdf $(FLAGS)

explain: | node_modules
	@test -n "$(FIG)" || { echo "usage: make explain FIG=<figure, table or experiment id>" >&2; exit 2; }
	@$(CLI) explain $(FIG) $(FLAGS)

check: | node_modules
	@$(CLI) check $(FLAGS)

list: | node_modules
	@$(CLI) list $(FLAGS)

clean-tmp: | node_modules
	@$(CLI) clean-tmp $(FLAGS)

# The report at http://127.0.0.1:$(PORT)/, re-rendered from the cache (always frozen) on every save.
preview: | node_modules
	@$(CLI) preview $(FLAGS) --port=$(PORT)

test: | node_modules
	npm test

bench: | node_modules
	@node --import tsx bench/run.ts $(BENCH)

# The local profile's translation corpus (Debian gettext catalogs, pinned .debs): data/gettext/corpus/.
data: | node_modules
	@node --import tsx experiments/data/build-gettext-corpus.ts

# One archive to run the project on an offline x86-64 GPU host (engine/bundle/README.md).
bundle: | node_modules
	@engine/bundle/bundle.sh

# Built outputs and caches only: artifacts/ holds computed results (the local profile's are committed).
clean:
	rm -rf build .cache

# A fresh clone: install the locked dependencies first.
node_modules:
	npm ci
