#!/usr/bin/env bash
# The GPU check in one script: the test suite with the gpu-marked tests enabled, chapters 01-05
# on the GPU, the training-step ratios against PyTorch with cuDNN, epoch times GPU vs CPU, and
# the LSTM step against its matmul floor. Logs go to $OUT (default benchmarks/results/gpu).
#     OUT=benchmarks/results/gpu bash benchmarks/gpu_check.sh
set -u
cd "$(dirname "$0")/.."
OUT="${OUT:-benchmarks/results/gpu}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 KERAS_BACKEND=torch
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  python3 -c "import cupy, numpy, torch; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'cudnn', torch.backends.cudnn.version())"
  nproc
} > "$OUT/env.txt" 2>&1

# 1. The gpu-marked tests alone first (quick), then the whole suite in parallel with the chapters.
timeout 150 python3 -m pytest tests -m gpu -p no:cacheprovider -q -rfEs > "$OUT/tests_gpu.log" 2>&1
( timeout 240 python3 -m pytest tests -p no:cacheprovider -q -rfE -n 8 -m "not gpu" > "$OUT/tests_all.log" 2>&1 ) &
tests=$!
( timeout 240 python3 benchmarks/gpu_chapters.py chapters/0[1-5]*.ipynb > "$OUT/chapters.log" 2>&1 ) &
chapters=$!
wait $tests $chapters

# 2. Timings, alone on the machine.
timeout 150 python3 benchmarks/rnn_speed.py --device gpu --rounds 5 > "$OUT/rnn_speed.log" 2>&1
timeout 90 python3 benchmarks/gpu_profile.py > "$OUT/profile.log" 2>&1
timeout 120 python3 benchmarks/epoch_time.py --models gru,rnn --devices gpu,cpu --epochs 3 > "$OUT/epoch_time.log" 2>&1
tail -n 3 "$OUT"/*.log
