"""The project's own Scrapy commands (settings.COMMANDS_MODULE)."""
