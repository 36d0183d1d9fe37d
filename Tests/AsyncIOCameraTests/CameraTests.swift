import Testing
@testable import AsyncIOCamera
