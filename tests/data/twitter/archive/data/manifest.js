window.__THAR_CONFIG = {
  "userInfo" : {
    "accountId" : "1467726470533754880",
    "userName" : "garden_alice",
    "displayName" : "Alice 🌱"
  },
  "archiveInfo" : {
    "sizeBytes" : "48213",
    "generationDate" : "2024-11-03T12:00:00.000Z",
    "isPartialArchive" : false,
    "maxPartSizeBytes" : "53687091200"
  },
  "readmeInfo" : {
    "fileName" : "data/README.txt",
    "directory" : "data/",
    "name" : "README.txt"
  },
  "dataTypes" : {
    "account" : {
      "files" : [
        {
          "fileName" : "data/account.js",
          "globalName" : "YTD.account.part0",
          "count" : "1"
        }
      ]
    },
    "follower" : {
      "files" : [
        {
          "fileName" : "data/follower.js",
          "globalName" : "YTD.follower.part0",
          "count" : "4"
        }
      ]
    },
    "following" : {
      "files" : [
        {
          "fileName" : "data/following.js",
          "globalName" : "YTD.following.part0",
          "count" : "2"
        }
      ]
    },
    "profile" : {
      "files" : [
        {
          "fileName" : "data/profile.js",
          "globalName" : "YTD.profile.part0",
          "count" : "1"
        }
      ]
    },
    "tweets" : {
      "mediaDirectory" : "data/tweets_media",
      "files" : [
        {
          "fileName" : "data/tweets.js",
          "globalName" : "YTD.tweets.part0",
          "count" : "4"
        },
        {
          "fileName" : "data/tweets-part1.js",
          "globalName" : "YTD.tweets.part1",
          "count" : "1"
        }
      ]
    },
    "verified" : {
      "files" : [
        {
          "fileName" : "data/verified.js",
          "globalName" : "YTD.verified.part0",
          "count" : "1"
        }
      ]
    }
  }
}