"""The Qt-free heart of Backstage: events, the orchestration loop, errors."""
