window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1852600000000000001"
          ],
          "editableUntil" : "2024-10-01T10:30:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [
          {
            "text" : "gardening",
            "indices" : [
              "0",
              "10"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : [
          {
            "url" : "https://t.co/AbC123xyZ0",
            "expanded_url" : "https://alice.example/blog/frost",
            "display_url" : "alice.example/blog/frost",
            "indices" : [
              "10",
              "33"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "81"
      ],
      "favorite_count" : "2",
      "id_str" : "1852600000000000001",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1852600000000000001",
      "created_at" : "Fri Nov 01 08:00:00 +0000 2024",
      "favorited" : false,
      "full_text" : "First frost tonight, covering the beds. #gardening notes: https://t.co/AbC123xyZ0",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1852600000000000002"
          ],
          "editableUntil" : "2024-10-01T10:30:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Bob",
            "screen_name" : "bob",
            "indices" : [
              "0",
              "4"
            ],
            "id_str" : "783214",
            "id" : "783214"
          }
        ],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "24"
      ],
      "favorite_count" : "2",
      "id_str" : "1852600000000000002",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1852600000000000002",
      "created_at" : "Fri Nov 01 08:10:00 +0000 2024",
      "favorited" : false,
      "full_text" : "@bob next year, cloches!",
      "lang" : "en",
      "in_reply_to_status_id_str" : "1852600000000000099",
      "in_reply_to_status_id" : "1852600000000000099",
      "in_reply_to_user_id" : "783214",
      "in_reply_to_user_id_str" : "783214",
      "in_reply_to_screen_name" : "bob"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1852600000000000003"
          ],
          "editableUntil" : "2024-10-01T10:30:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Dave",
            "screen_name" : "dave",
            "indices" : [
              "0",
              "5"
            ],
            "id_str" : "2244134066",
            "id" : "2244134066"
          }
        ],
        "urls" : [
          {
            "url" : "https://t.co/ZZ9yy8XX7w",
            "expanded_url" : "https://allotments.example/swap",
            "display_url" : "allotments.example/swap",
            "indices" : [
              "10",
              "33"
            ]
          }
        ]
      },
      "display_text_range" : [
        "0",
        "73"
      ],
      "favorite_count" : "2",
      "id_str" : "1852600000000000003",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1852600000000000003",
      "created_at" : "Fri Nov 01 09:00:00 +0000 2024",
      "favorited" : false,
      "full_text" : "RT @dave: Seed swap on Saturday at the allotments https://t.co/ZZ9yy8XX7w",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1852600000000000004"
          ],
          "editableUntil" : "2024-10-01T10:30:00.000Z",
          "editsRemaining" : "5",
          "isEditEligible" : true
        }
      },
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "42"
      ],
      "favorite_count" : "2",
      "id_str" : "1852600000000000004",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1852600000000000004",
      "created_at" : "Sat Nov 02 07:00:00 +0000 2024",
      "favorited" : false,
      "full_text" : "Quiet morning. Tea, then the compost heap.",
      "lang" : "en"
    }
  }
]