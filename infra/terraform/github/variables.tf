variable "owner" {
  description = "GitHub organization owning the repository."
  type        = string
  default     = "sensorlake"
}

variable "repository" {
  description = "Repository name."
  type        = string
  default     = "sensorlake"
}

variable "prod_reviewer_team" {
  description = "Slug of the team whose approval a prod deployment needs."
  type        = string
  default     = "data-platform"
}
