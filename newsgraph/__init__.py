"""newsgraph: news pages, feeds and archives in; a knowledge base of stories, copies, entities and quotes out."""

__version__ = "0.1.0"
