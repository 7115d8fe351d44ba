#!/usr/bin/env bash
# The GPU check in one script: the test suite with the gpu-marked tests enabled, chapters 01-05
# on the GPU, the training-step ratios against PyTorch with cuDNN, the LSTM step against its
# matmul floor, and epoch times GPU vs CPU. Logs go to $OUT (default benchmarks/results/gpu).
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
  echo "cpu cores: $(nproc)"
} > "$OUT/env.txt" 2>&1

# 1. Correctness, side by side: the gpu-marked tests, the rest of the suite, chapters 01-05 on the GPU.
timeout 150 python3 -m pytest tests -m gpu -p no:cacheprovider -q -rfEs > "$OUT/tests_gpu.log" 2>&1 &
timeout 150 python3 -m pytest tests -m "not gpu" -p no:cacheprovider -q -rfE -n 6 > "$OUT/tests_all.log" 2>&1 &
timeout 150 python3 benchmarks/gpu_chapters.py chapters/0[1-5]*.ipynb > "$OUT/chapters.log" 2>&1 &
wait

# 2. Timings, one at a time.
timeout 130 python3 benchmarks/rnn_speed.py --device gpu --rounds 3 > "$OUT/rnn_speed.log" 2>&1
timeout 30 python3 benchmarks/gpu_profile.py > "$OUT/profile.log" 2>&1
timeout 50 python3 benchmarks/epoch_time.py --models gru,rnn --devices gpu,cpu --epochs 2 > "$OUT/epoch_time.log" 2>&1
tail -n 4 "$OUT"/*.log
