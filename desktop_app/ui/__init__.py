"""The desktop window: Qt widgets that render core events and turn clicks into intents."""
