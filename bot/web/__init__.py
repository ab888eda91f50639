"""The partnership chat page, the embeddable widget and the chat API in front of Rasa."""
