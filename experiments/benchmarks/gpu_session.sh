#!/usr/bin/env bash
# One lent-GPU session in one command (issues 4 and 7): the side-by-side benchmark against
# PyTorch in float32 and bfloat16 on a quiet GPU, then two trainings sharing the GPU for what
# time is left (the paper-width Islam et al. 2021 model from scratch with the paper's recipe, and
# the shipped 1/4-width default model trained further with batch 32 of 128x128 crops), then the
# paper-width model on Kodak at the nominal rates (its ~140 MB weights stay on the machine).
#
#   bash experiments/benchmarks/gpu_session.sh DATA OUT [SECONDS]
#
# DATA holds train/, val/ and kodak/ (copies of ../shared/data; never trained on: kodak/); OUT
# receives session.log's companions: the benchmark tables, the exported 1/4-width weights and
# training.tar.gz (learning curves, configs, logs, nominal-rate results). SECONDS (default 570)
# bounds the whole run. Python packages the machine lacks go on PYTHONPATH beforehand. A rehearsal
# on a CPU: BENCH="--device cpu --quick" bash experiments/benchmarks/gpu_session.sh ... 400
set -u
DATA=$1
OUT=$2
LIMIT=${3:-570}
PY=${PYTHON:-python3}
BENCH=${BENCH:---device cuda --image-iterations 16 --repeats 5}
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
WORK=$(mktemp -d)
log() { echo "[${SECONDS} s] $*"; }

nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm --format=csv || true
$PY -c "import jax, flax, optax, orbax.checkpoint, torch; print('jax', jax.__version__, \
jax.devices(), '| flax', flax.__version__, '| optax', optax.__version__, '| torch', \
torch.__version__)"

for precision in float32 bfloat16; do
    log "vs_pytorch, $precision"
    timeout -k 10 150 $PY experiments/benchmarks/vs_pytorch.py $BENCH --precision "$precision" \
        --malloc glibc --image "$DATA/kodak/kodim01.png" > "$OUT/vs_pytorch_$precision.md"
    log "vs_pytorch, $precision: exit $?"
    cat "$OUT/vs_pytorch_$precision.md"
done

# ~150 s stay for compilation, the final evaluations, export and packing.
minutes=$($PY -c "print(f'{max(1.0, ($LIMIT - $SECONDS - 150) / 60 - 1):.2f}')")
stop_after=$((LIMIT - SECONDS - 90))
log "training both runs for $minutes minutes of steps each (killed after $stop_after s)"
default=$($PY -c "from rnncomp.models.zoo import DEFAULT_MODEL; print(DEFAULT_MODEL)")
common="cpu_data_parallel=false,data.train_dir=$DATA/train,data.val_dir=$DATA/val"
XLA_PYTHON_CLIENT_MEM_FRACTION=0.45 timeout -k 20 "$stop_after" $PY experiments/ablate.py \
    --workdir "$WORK/paper" --minutes "$minutes" \
    "islam2021_gdn_gpu=experiments/configs/islam2021_gdn.py:$common,eval_every_steps=1000,\
checkpoint_every_steps=1000,max_checkpoints_to_keep=1,log_every_steps=100" \
    > "$WORK/paper.log" 2>&1 &
paper=$!
XLA_PYTHON_CLIENT_MEM_FRACTION=0.45 timeout -k 20 "$stop_after" $PY experiments/ablate.py \
    --workdir "$WORK/w025" --minutes "$minutes" \
    "gdn_w025_gpu=experiments/configs/cpu_gdn_block6_msssim.py:$common,\
init_from=$default,learning_rate=1e-4,lr_boundaries=[],warmup_steps=50,\
batch_size=32,data.crop_size=128,num_train_steps=1000000,eval_every_steps=250,\
checkpoint_every_steps=250,max_checkpoints_to_keep=1,log_every_steps=50" \
    > "$WORK/w025.log" 2>&1 &
w025=$!
wait $w025; log "1/4-width run: exit $?"
wait $paper; log "paper-width run: exit $?"
tail -n 4 "$WORK/w025.log" "$WORK/paper.log"

$PY -m rnncomp.cli export "$WORK/w025/gdn_w025_gpu" "$OUT/gdn_w025_gpu.npz"
log "export: exit $?"
timeout -k 10 $((LIMIT - SECONDS - 15)) $PY experiments/eval_nominal.py "$DATA/kodak" \
    --workdir "$WORK/paper/islam2021_gdn_gpu" --out "$WORK/nominal_islam2021_gdn_gpu.json"
log "nominal evaluation: exit $?"
tar -C "$WORK" --exclude=checkpoints -czf "$OUT/training.tar.gz" .
log "done"
