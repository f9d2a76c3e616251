"""everyside: read news from many outlets, group articles into stories, show every side."""

__version__ = "0.1.0"
