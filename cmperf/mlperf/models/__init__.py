"""Models the project builds itself (no download): the digits MLP and a random-weights ResNet-50."""
