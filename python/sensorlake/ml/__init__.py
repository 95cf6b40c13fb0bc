"""sensorlake's machine-learning side: the activity-classifier baseline (train.py)."""
