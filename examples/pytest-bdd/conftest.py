# Lets the steps import cluster.py from this folder, wherever pytest is started.
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
