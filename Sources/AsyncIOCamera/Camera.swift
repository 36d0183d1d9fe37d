// The camera module (AsyncIOCamera) is being built; see the camera issue.
import AsyncIO
