#!/bin/sh
# Offline text data for the text model's calibration and evaluation (python/text_model.py,
# TextBench): Debian's English package descriptions (this image's apt skips them by default).
set -e
apt-get update -o Acquire::Languages=en
ls -l /var/lib/apt/lists/*bookworm_main_i18n_Translation-en*
