window.YTD.tweets.part1 = [
  {
    "tweet" : {
      "edit_info" : {
        "initial" : {
          "editTweetIds" : [
            "1852600000000000005"
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
            "text" : "seedswap",
            "indices" : [
              "0",
              "9"
            ]
          }
        ],
        "symbols" : [],
        "user_mentions" : [
          {
            "name" : "Carol",
            "screen_name" : "carol",
            "indices" : [
              "0",
              "6"
            ],
            "id_str" : "1350705206061744128",
            "id" : "1350705206061744128"
          },
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
        "48"
      ],
      "favorite_count" : "2",
      "id_str" : "1852600000000000005",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1852600000000000005",
      "created_at" : "Sun Nov 03 07:30:00 +0000 2024",
      "favorited" : false,
      "full_text" : "@carol @bob thanks both, see you there #seedswap",
      "lang" : "en",
      "in_reply_to_status_id_str" : "1852600000000000098",
      "in_reply_to_status_id" : "1852600000000000098",
      "in_reply_to_user_id" : "1350705206061744128",
      "in_reply_to_user_id_str" : "1350705206061744128",
      "in_reply_to_screen_name" : "carol"
    }
  }
]