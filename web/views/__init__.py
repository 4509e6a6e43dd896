"""The explorer's views, one module per family: pages for people, the JSON API, files, errors."""
