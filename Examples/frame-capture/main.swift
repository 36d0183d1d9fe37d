import AsyncIO
try AsyncIO.run { print("placeholder") }
